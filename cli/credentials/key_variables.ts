/** Naming the variables of a provider's keys: `<PROVIDER>_API_KEY` and `<PROVIDER>_API_KEY_<N>`. */

/** The variable prefix of a provider id: `nvidia_nim` → `NVIDIA_NIM`. */
export function providerPrefix(provider: string): string {
  return provider.trim().toUpperCase();
}

/**
 * The next free `<PROVIDER>_API_KEY_<N>`: one past the highest N in use, so a new key sorts after
 * the existing ones (pools keep variable order).
 */
export function nextKeyVariable(provider: string, variables: Readonly<Record<string, string>>): string {
  const prefix = `${providerPrefix(provider)}_API_KEY_`;
  let highest = 0;
  for (const name of Object.keys(variables)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (/^\d+$/.test(rest)) highest = Math.max(highest, Number(rest));
  }
  return `${prefix}${highest + 1}`;
}

/** The variable holding `key` for `provider`, if one does. */
export function variableHoldingKey(
  provider: string,
  key: string,
  variables: Readonly<Record<string, string>>,
): string | null {
  const pattern = new RegExp(`^${providerPrefix(provider)}_API_KEY(_\\d+)?$`);
  for (const [name, value] of Object.entries(variables)) {
    if (pattern.test(name) && value.trim() === key.trim()) return name;
  }
  return null;
}
