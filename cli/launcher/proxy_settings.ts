/** Launcher → Proxy settings: host, port, client key, logging; saved to `.env` and `launcher_config.json`. */
import { log, note } from "@clack/prompts";
import { updateEnvFile } from "../../lib/config/env_file.ts";
import {
  type LauncherConfig,
  readLauncherConfig,
  writeLauncherConfig,
} from "../../lib/config/launcher_config.ts";
import { generateProxyApiKey } from "../../lib/config/load.ts";
import { ConfigError } from "../../lib/errors.ts";
import { maskSecret } from "../../lib/log/logger.ts";
import { validateHost, validateKey, validatePort } from "../validation.ts";
import { ask, askSecret, choose } from "./prompts.ts";
import { loadSession, type Session } from "./session.ts";

type SettingsChoice = "host" | "port" | "key" | "request_logging" | "raw_logging" | "back";

/** Save one setting: `.env` (what the server reads) first, then the launcher's own file. */
async function save(session: Session, variables: Record<string, string>, launcher: Partial<LauncherConfig>) {
  await updateEnvFile(session.variables.envPath, variables);
  let saved: LauncherConfig = {};
  try {
    saved = await readLauncherConfig(session.dataDir);
  } catch (error) {
    // A broken file is replaced by a valid one; config check reports it until then.
    if (!(error instanceof ConfigError)) throw error;
  }
  await writeLauncherConfig(session.dataDir, { ...saved, ...launcher });
}

const onOff = (value: string | undefined) =>
  ["true", "1", "yes"].includes((value ?? "").trim().toLowerCase());

/** The Proxy settings menu; returns when the user goes back. */
export async function proxySettingsMenu(dataDir: string): Promise<void> {
  while (true) {
    const session = await loadSession(dataDir);
    const merged = session.variables.merged;
    const requestLogging = onOff(merged.REQUEST_LOGGING);
    const rawLogging = onOff(merged.RAW_LOGGING);
    const choice = await choose<SettingsChoice>("Proxy settings", [
      { value: "host", label: "Host", hint: merged.PROXY_HOST || "127.0.0.1" },
      { value: "port", label: "Port", hint: merged.PROXY_PORT || "8000" },
      { value: "key", label: "Client key (PROXY_API_KEY)", hint: merged.PROXY_API_KEY ? "set" : "not set" },
      { value: "request_logging", label: "Request logging", hint: requestLogging ? "on" : "off" },
      { value: "raw_logging", label: "Raw logging", hint: rawLogging ? "on" : "off" },
      { value: "back", label: "Back" },
    ]);
    if (choice === "back") return;
    if (choice === "host") {
      const host = await ask("Listen address", {
        initial: merged.PROXY_HOST || "127.0.0.1",
        validate: validateHost,
      });
      await save(session, { PROXY_HOST: host }, { host });
      log.success(`Saved PROXY_HOST=${host}`);
    } else if (choice === "port") {
      const port = await ask("Port (1-65535)", {
        initial: merged.PROXY_PORT || "8000",
        validate: validatePort,
      });
      await save(session, { PROXY_PORT: port }, { port: Number(port) });
      log.success(`Saved PROXY_PORT=${port}`);
    } else if (choice === "key") {
      await clientKeyMenu(session);
    } else {
      const variable = choice === "request_logging" ? "REQUEST_LOGGING" : "RAW_LOGGING";
      const next = !(choice === "request_logging" ? requestLogging : rawLogging);
      await save(
        session,
        { [variable]: String(next) },
        choice === "request_logging" ? { requestLogging: next } : { rawLogging: next },
      );
      log.success(`Saved ${variable}=${next}`);
    }
  }
}

async function clientKeyMenu(session: Session): Promise<void> {
  const current = session.variables.merged.PROXY_API_KEY ?? "";
  const choice = await choose<"generate" | "type" | "show" | "back">("Client key", [
    { value: "generate", label: "Generate a new key", hint: "shown once" },
    { value: "type", label: "Type a key", hint: "not echoed" },
    ...(current === "" ? [] : [{ value: "show" as const, label: "Show the current key once" }]),
    { value: "back", label: "Back" },
  ]);
  if (choice === "back") return;
  if (choice === "show") {
    note(current, "PROXY_API_KEY");
    return;
  }
  const key = choice === "generate" ? generateProxyApiKey() : await askSecret("Client key", validateKey);
  await save(session, { PROXY_API_KEY: key }, {});
  if (choice === "generate") {
    note(
      `${key}\n\nClients send it as Authorization: Bearer <key> or x-api-key. It is shown only now.`,
      "New client key",
    );
  } else log.success(`Saved PROXY_API_KEY (${maskSecret(key)})`);
}
