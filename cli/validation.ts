/**
 * Validators shared by the commands and the launcher's prompts. Each returns a message saying what
 * is wrong, or `undefined` when the input is fine (the contract of clack's `validate`).
 */

/** A TCP port from 1 to 65535. */
export function validatePort(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  if (!/^\d+$/.test(value)) return "Enter a port number from 1 to 65535";
  const port = Number(value);
  return port >= 1 && port <= 65535 ? undefined : "Enter a port number from 1 to 65535";
}

/** A listen address: a host name or IP address, no spaces. */
export function validateHost(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  if (value === "") return "Enter an address, e.g. 127.0.0.1 or 0.0.0.0";
  return /\s/.test(value) ? "An address has no spaces" : undefined;
}

/** An http(s) URL. */
export function validateUrl(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return undefined;
  } catch {
    // Falls through to the message below.
  }
  return "Enter an http:// or https:// URL, e.g. http://127.0.0.1:1234/v1";
}

/** An API key: not empty, one word. */
export function validateKey(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  if (value === "") return "The key must not be empty";
  return /\s/.test(value) ? "A key has no spaces" : undefined;
}

/** A provider (or group, alias) name that makes valid variable names: letters, digits, `_`. */
export function validateName(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  if (value === "") return "Enter a name";
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value)) {
    return "Use letters, digits and _ only, starting with a letter (it becomes part of variable names)";
  }
  if (/_API(_|$)|_$/.test(value.toUpperCase()) || value.toUpperCase() === "PROXY") {
    return "This name would clash with other variables; choose another";
  }
  return undefined;
}

/** A whole number of at least 1. */
export function validatePositiveInteger(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  return /^\d+$/.test(value) && Number(value) >= 1 ? undefined : "Enter a whole number of at least 1";
}

/** A number greater than 0. */
export function validatePositiveNumber(text: string | undefined): string | undefined {
  const value = Number((text ?? "").trim());
  return (text ?? "").trim() !== "" && Number.isFinite(value) && value > 0
    ? undefined
    : "Enter a number greater than 0";
}

/** A comma list of model names or patterns (empty clears the setting). */
export function validateModelList(text: string | undefined): string | undefined {
  const items = (text ?? "").split(",").map((item) => item.trim());
  if (items.length === 1 && items[0] === "") return undefined;
  return items.some((item) => item === "" || /\s/.test(item))
    ? "Separate names with commas; names have no spaces"
    : undefined;
}

/** A comma list of `provider/model` targets. */
export function validateAliasTargets(text: string | undefined): string | undefined {
  const items = (text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) return "Enter at least one provider/model";
  const wrong = items.find((item) => !/^[^/\s]+\/\S+$/.test(item));
  return wrong === undefined ? undefined : `"${wrong}" is not provider/model`;
}

/** Split a comma list into trimmed, non-empty items. */
export function splitList(text: string): string[] {
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}
