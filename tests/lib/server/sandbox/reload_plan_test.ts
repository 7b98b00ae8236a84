/** Which reloads restart the server's Worker: a change of permissions or of a setting read once at start. */
import assert from "node:assert/strict";
import { configFromVariables } from "../../../../lib/config/load.ts";
import type { ProxyConfig } from "../../../../lib/config/schema.ts";
import { sandboxNeeds } from "../../../../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../../../../lib/server/sandbox/permissions.ts";
import {
  describeRestart,
  reloadPlan,
  type SandboxState,
} from "../../../../lib/server/sandbox/reload_plan.ts";
import { resolveProviders } from "../../../../providers/mod.ts";

function state(variables: Record<string, string>): SandboxState {
  const config: ProxyConfig = configFromVariables(
    { PROXY_API_KEY: "sk-proxy-plan-0123456789", PROXY_PORT: "8000", ...variables },
    { dataDir: "/srv/proxy" },
  );
  return {
    config,
    permissions: sandboxPermissions(sandboxNeeds(config, resolveProviders(config.providers))),
  };
}

const BASE = {
  OPENAI_API_KEY: "sk-a-0123456789",
  MYLOCAL_API_KEY: "x-0123456789",
  MYLOCAL_API_BASE: "http://10.0.0.1:8080/v1",
};

Deno.test("reloadPlan(): new keys and models on granted hosts are applied in place", () => {
  assert.deepEqual(
    reloadPlan(
      state(BASE),
      state({ ...BASE, OPENAI_API_KEY: "sk-b-0123456789", OPENAI_API_KEY_2: "sk-c-0123456789" }),
    ),
    { kind: "in_place" },
  );
  // Another custom provider on the same host and port needs nothing new either.
  assert.deepEqual(
    reloadPlan(
      state(BASE),
      state({ ...BASE, OTHER_API_KEY: "y-0123456789", OTHER_API_BASE: "http://10.0.0.1:8080/v2" }),
    ),
    { kind: "in_place" },
  );
});

Deno.test("reloadPlan(): a provider on a new host restarts with exactly that host added", () => {
  const plan = reloadPlan(
    state(BASE),
    state({ ...BASE, NEW_API_KEY: "z-0123456789", NEW_API_BASE: "http://10.0.0.2:9090/v1" }),
  );
  assert.equal(plan.kind, "restart");
  assert.deepEqual(plan.kind === "restart" && plan.permissions.net, {
    added: ["10.0.0.2:9090"],
    removed: [],
  });
  assert.equal(plan.kind === "restart" && describeRestart(plan), "net + 10.0.0.2:9090");
});

Deno.test("reloadPlan(): a host no provider needs any more is taken away (a restart, never wider)", () => {
  const { MYLOCAL_API_KEY: _key, MYLOCAL_API_BASE: _base, ...withoutLocal } = BASE;
  const plan = reloadPlan(state(BASE), state(withoutLocal));
  assert.equal(plan.kind, "restart");
  assert.deepEqual(plan.kind === "restart" && plan.permissions.net, {
    added: [],
    removed: ["10.0.0.1:8080"],
  });
});

Deno.test("reloadPlan(): a setting read once at start restarts and is named", () => {
  const plan = reloadPlan(state(BASE), state({ ...BASE, GLOBAL_TIMEOUT: "45" }));
  assert.equal(plan.kind, "restart");
  assert.deepEqual(plan.kind === "restart" && plan.settings, ["globalTimeoutMs"]);
});
