/**
 * The credential files: `<data dir>/oauth_creds/<provider>_oauth_<N>.json`, mode 0600, written
 * atomically (a temporary file renamed over the old one), one account per file. Written with Node's file API,
 * so the library (`mod.ts`) keeps a folder of accounts under Node too.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log/logger.ts";
import { type StoredCredential, storedCredentialSchema } from "./stored_credential.ts";

/** The folder of credential files under `dataDir`. */
export function credentialsDirectory(dataDir: string): string {
  return join(dataDir, "oauth_creds");
}

/** A credential file and what it holds. */
export interface CredentialFile {
  path: string;
  /** N of `<provider>_oauth_<N>.json`. */
  index: number;
  credential: StoredCredential;
}

const FILE_NAME = /^([a-z0-9_]+)_oauth_(\d+)\.json$/;

/** Read every credential file (of `provider`, when given); unreadable files are skipped with a warning. */
export async function readCredentialFiles(
  dataDir: string,
  options: { provider?: string; logger?: Logger; directory?: string } = {},
): Promise<CredentialFile[]> {
  const { provider, logger, directory = credentialsDirectory(dataDir) } = options;
  const files: CredentialFile[] = [];
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  for (const entry of entries) {
    const match = FILE_NAME.exec(entry.name);
    if (!entry.isFile() || !match || (provider && match[1] !== provider)) continue;
    const path = join(directory, entry.name);
    try {
      const parsed = storedCredentialSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
      if (!parsed.success || parsed.data.provider !== match[1]) {
        logger?.warn(`skipping ${path}: not a credential file of ${match[1]}`);
        continue;
      }
      files.push({ path, index: Number(match[2]), credential: parsed.data });
    } catch (error) {
      logger?.warn(`skipping ${path}: ${(error as Error).message}`);
    }
  }
  return files.sort((a, b) =>
    a.credential.provider.localeCompare(b.credential.provider) || a.index - b.index
  );
}

/** Write `credential` to `path` atomically with mode 0600. */
export async function writeCredentialFile(path: string, credential: StoredCredential): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  const text = `${JSON.stringify({ ...credential, updated_at: new Date().toISOString() }, null, 2)}\n`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    // `mode` applies only when the file is created; chmod also covers a umask that removed bits we keep.
    await chmod(temporary, 0o600).catch(() => {});
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

/** What {@link saveCredential} did. */
export interface SavedCredential {
  path: string;
  /** The file held an older credential of the same account, which this one replaced. */
  replaced: boolean;
}

/**
 * Save a credential: a second credential of the same provider and account replaces the older file
 * (with one warning); otherwise it gets the next free `<N>`.
 */
export async function saveCredential(
  dataDir: string,
  credential: StoredCredential,
  options: { logger?: Logger } = {},
): Promise<SavedCredential> {
  const directory = credentialsDirectory(dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const existing = await readCredentialFiles(dataDir, { provider: credential.provider });
  const same = existing.find((file) => file.credential.account === credential.account);
  if (same) {
    options.logger?.warn(
      `${credential.provider}: ${credential.account} was already stored; the new credential replaces ${same.path}`,
    );
    await writeCredentialFile(same.path, credential);
    return { path: same.path, replaced: true };
  }
  const index = existing.reduce((highest, file) => Math.max(highest, file.index), 0) + 1;
  const path = join(directory, `${credential.provider}_oauth_${index}.json`);
  await writeCredentialFile(path, credential);
  return { path, replaced: false };
}
