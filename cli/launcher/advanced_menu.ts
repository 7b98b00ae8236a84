/**
 * Launcher → Providers and advanced settings: custom providers, concurrency, rotation mode, priority
 * multipliers, model filters (with a live preview), quota groups and aliases. Changes are staged,
 * shown as a diff, and written to `.env` only on Save; Discard drops them.
 */
import { log, note, spinner } from "@clack/prompts";
import { checkVariables } from "../../lib/config/check.ts";
import { updateEnvFile } from "../../lib/config/env_file.ts";
import {
  applyStaged,
  diffStaged,
  NO_CHANGES,
  renderChanges,
  stageChange,
  type StagedChanges,
  toEnvUpdate,
} from "../../lib/config/staged_settings.ts";
import { OAUTH_CLIENTS } from "../../lib/credentials/oauth_clients.ts";
import { KNOWN_PROVIDERS } from "../../providers/mod.ts";
import { providerPrefix } from "../credentials/key_variables.ts";
import { listProviderModels } from "../provider_listing.ts";
import {
  validateAliasTargets,
  validateModelList,
  validateName,
  validatePositiveInteger,
  validatePositiveNumber,
  validateUrl,
} from "../validation.ts";
import { previewFilters, renderFilterPreview } from "./filter_preview.ts";
import { ask, askWithPreview, choose } from "./prompts.ts";
import { loadSession, type Session } from "./session.ts";

type AdvancedChoice =
  | "custom"
  | "concurrency"
  | "mode"
  | "multiplier"
  | "filters"
  | "groups"
  | "alias"
  | "review"
  | "back";

/** One staged change: which variable gets which value (null removes it). */
interface Change {
  name: string;
  value: string | null;
}

/** The advanced settings menu; returns when the user goes back (after Save or Discard). */
export async function advancedMenu(dataDir: string): Promise<void> {
  let staged: StagedChanges = NO_CHANGES;
  while (true) {
    const session = await loadSession(dataDir);
    const current = session.variables.file;
    const pending = staged.size === 0 ? "nothing staged" : `${staged.size} staged`;
    const choice = await choose<AdvancedChoice>("Providers and advanced settings", [
      { value: "custom", label: "Custom providers", hint: "name, base URL, models" },
      { value: "concurrency", label: "Concurrency per key" },
      { value: "mode", label: "Rotation mode", hint: "balanced or sequential" },
      { value: "multiplier", label: "Priority multipliers" },
      { value: "filters", label: "Model filters", hint: "with a live preview" },
      { value: "groups", label: "Quota groups" },
      { value: "alias", label: "Model aliases" },
      { value: "review", label: "Review, save or discard", hint: pending },
      { value: "back", label: "Back", hint: staged.size > 0 ? "asks to save or discard" : undefined },
    ]);
    if (choice === "back" || choice === "review") {
      const outcome = await review(session, staged, choice === "back");
      if (outcome === "saved" || outcome === "discarded") staged = NO_CHANGES;
      if (choice === "back" && outcome !== "keep") return;
      continue;
    }
    const change = await editFlow(choice, session, applyStaged(current, staged));
    for (const one of change) staged = stageChange(staged, one, current);
    if (change.length > 0) {
      const lines = renderChanges(diffStaged(current, staged));
      log.info(
        `Staged, not saved yet:\n${
          lines.length === 0 ? "(nothing: back to the saved values)" : lines.join("\n")
        }`,
      );
    }
  }
}

/** Show the diff and ask Save / Discard / Keep editing. */
async function review(
  session: Session,
  staged: StagedChanges,
  leaving: boolean,
): Promise<"saved" | "discarded" | "keep" | "none"> {
  if (staged.size === 0) {
    if (!leaving) log.info("Nothing staged.");
    return "none";
  }
  const current = session.variables.file;
  note(renderChanges(diffStaged(current, staged)).join("\n"), "Staged changes");
  const action = await choose<"save" | "discard" | "keep">("Apply these changes?", [
    { value: "save", label: "Save to .env" },
    { value: "discard", label: "Discard them" },
    { value: "keep", label: "Keep editing" },
  ]);
  if (action === "keep") return "keep";
  if (action === "discard") {
    log.info("Discarded; .env is unchanged.");
    return "discarded";
  }
  const after = applyStaged(session.variables.merged, staged);
  const errors = checkVariables(after, {
    knownProviders: new Set(KNOWN_PROVIDERS.keys()),
    oauthProviders: new Set(OAUTH_CLIENTS.keys()),
  })
    .filter((problem) => problem.severity === "error");
  if (errors.length > 0) {
    log.error(
      `Not saved; fix these first:\n${
        errors.map((problem) => `${problem.variable}: ${problem.message}`).join("\n")
      }`,
    );
    return "keep";
  }
  await updateEnvFile(session.variables.envPath, toEnvUpdate(staged));
  log.success(`Saved ${staged.size} change(s) to ${session.variables.envPath}`);
  return "saved";
}

async function pickProvider(session: Session, message: string): Promise<string | null> {
  const ids = session.workspace?.providers.map((provider) => provider.id) ?? [];
  if (ids.length === 0) {
    log.warn("No provider is configured yet; add a credential first.");
    return null;
  }
  const id = await choose(message, [...ids.map((value) => ({ value, label: value })), {
    value: "",
    label: "Back",
  }]);
  return id === "" ? null : id;
}

/** Ask for one kind of setting; returns the changes to stage (none when the user went back). */
async function editFlow(
  choice: Exclude<AdvancedChoice, "review" | "back">,
  session: Session,
  view: Record<string, string>,
): Promise<Change[]> {
  if (choice === "custom") return await customProviderFlow(view);
  if (choice === "alias") {
    const name = await ask("Alias name (clients send it as the model)", { validate: validateName });
    const variable = `MODEL_ALIAS_${name.toUpperCase()}`;
    const targets = await ask("Targets, tried in order (provider/model, comma list)", {
      initial: view[variable],
      validate: validateAliasTargets,
    });
    return [{ name: variable, value: targets }];
  }
  const provider = await pickProvider(session, "Which provider?");
  if (provider === null) return [];
  const prefix = providerPrefix(provider);
  if (choice === "concurrency") {
    const variable = `MAX_CONCURRENT_REQUESTS_PER_KEY_${prefix}`;
    const value = await ask("Requests in flight per key and model", {
      initial: view[variable] ?? "1",
      validate: validatePositiveInteger,
    });
    return [{ name: variable, value }];
  }
  if (choice === "mode") {
    const variable = `ROTATION_MODE_${prefix}`;
    const mode = await choose("Rotation mode", [
      { value: "balanced", label: "balanced", hint: "fewest in flight, then least used" },
      { value: "sequential", label: "sequential", hint: "spend one key until it rests" },
    ]);
    return [{ name: variable, value: mode === "balanced" && view[variable] === undefined ? null : mode }];
  }
  if (choice === "multiplier") {
    const priority = await ask("For keys of priority", { initial: "1", validate: validatePositiveInteger });
    const variable = `CONCURRENCY_MULTIPLIER_${prefix}_PRIORITY_${priority}`;
    const multiplier = await ask("Multiply their concurrency by", {
      initial: view[variable] ?? "1",
      validate: validatePositiveNumber,
    });
    return [{ name: variable, value: multiplier }];
  }
  if (choice === "groups") {
    const group = await ask("Group name", { validate: validateName });
    const variable = `QUOTA_GROUPS_${prefix}_${group.toUpperCase()}`;
    const models = await ask("Models sharing usage and cooldowns (comma list; empty removes the group)", {
      initial: view[variable],
      validate: validateModelList,
    });
    return [{ name: variable, value: models === "" ? null : models }];
  }
  return await filtersFlow(session, provider, view);
}

async function customProviderFlow(view: Record<string, string>): Promise<Change[]> {
  const custom = Object.keys(view).flatMap((name) => {
    const match = /^([A-Z][A-Z0-9_]*?)_API_BASE$/.exec(name);
    return match && !KNOWN_PROVIDERS.has(match[1].toLowerCase()) ? [match[1].toLowerCase()] : [];
  });
  const picked = await choose("Custom provider", [
    ...custom.map((id) => ({ value: id, label: id, hint: view[`${providerPrefix(id)}_API_BASE`] })),
    { value: "", label: "New custom provider" },
  ]);
  const name = picked !== "" ? picked : await ask("Provider name", {
    validate: (value) =>
      validateName(value) ??
        (KNOWN_PROVIDERS.has(value.toLowerCase()) ? "That is a built-in provider" : undefined),
  });
  const prefix = providerPrefix(name);
  const base = await ask("Base URL (with /v1)", {
    initial: view[`${prefix}_API_BASE`],
    validate: validateUrl,
  });
  const models = await ask("Models (comma list; empty to use its /models)", {
    initial: view[`${prefix}_MODELS`],
    validate: validateModelList,
  });
  if (!Object.keys(view).some((variable) => variable.startsWith(`${prefix}_API_KEY`))) {
    log.info(
      `Add a key for ${name.toLowerCase()} under Credentials once saved (any value if none is needed).`,
    );
  }
  return [
    { name: `${prefix}_API_BASE`, value: base.replace(/\/+$/, "") },
    { name: `${prefix}_MODELS`, value: models === "" ? null : models },
  ];
}

async function filtersFlow(
  session: Session,
  provider: string,
  view: Record<string, string>,
): Promise<Change[]> {
  const prefix = providerPrefix(provider);
  const kind = await choose<"IGNORE_MODELS" | "WHITELIST_MODELS">("Which filter?", [
    { value: "IGNORE_MODELS", label: "Hide models", hint: "IGNORE_MODELS, * wildcards" },
    { value: "WHITELIST_MODELS", label: "Always keep models", hint: "WHITELIST_MODELS, wins over hiding" },
  ]);
  const configured = session.workspace?.providers.find((candidate) => candidate.id === provider);
  let models: string[] = [...(configured?.configuredModels ?? [])];
  if (configured) {
    const progress = spinner();
    progress.start(`Listing ${provider}'s models`);
    try {
      const listed = await listProviderModels(configured, configured.credentials[0], {
        timeoutMs: 10_000,
        authorize: session.workspace!.authorize,
      });
      models = [...new Set([...models, ...listed.map((model) => model.id)])].sort();
      progress.stop(`${models.length} models listed`);
    } catch (error) {
      progress.stop(`Cannot list models (${(error as Error).message}); the preview uses configured ones`);
    }
  }
  const variable = `${kind}_${prefix}`;
  const other = kind === "IGNORE_MODELS" ? `WHITELIST_MODELS_${prefix}` : `IGNORE_MODELS_${prefix}`;
  const value = await askWithPreview(`${variable} (comma list, * wildcards; empty clears)`, {
    initial: view[variable] ?? "",
    validate: validateModelList,
    preview: (typed) =>
      renderFilterPreview(
        previewFilters(
          models,
          kind === "IGNORE_MODELS"
            ? { ignore: typed, whitelist: view[other] ?? "" }
            : { ignore: view[other] ?? "", whitelist: typed },
        ),
      ),
  });
  return [{ name: variable, value: value === "" ? null : value }];
}
