import assert from "node:assert/strict";
import {
  describePermissions,
  netEntry,
  sandboxPermissions,
} from "../../../../lib/server/sandbox/permissions.ts";

Deno.test("sandboxPermissions() grants the listen address, each upstream host:port and the data dir only", () => {
  const permissions = sandboxPermissions({
    listen: [{ hostname: "127.0.0.1", port: 8000 }],
    upstreams: [
      "https://api.openai.com/v1",
      "https://api.openai.com/v1/other",
      "http://127.0.0.1:9100/v1",
      "https://auth.openai.com",
      "redis://cache.internal:6380/0",
    ],
    dataDir: "/srv/proxy",
  });
  assert.deepEqual(permissions, {
    net: [
      "127.0.0.1:8000",
      "api.openai.com:443",
      "127.0.0.1:9100",
      "auth.openai.com:443",
      "cache.internal:6380",
    ],
    read: ["/srv/proxy"],
    write: ["/srv/proxy"],
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  });
});

Deno.test("sandboxPermissions(): port 0 allows the host's ports; IPv6 in brackets; extra read-only folders", () => {
  const permissions = sandboxPermissions({
    listen: [{ hostname: "::1", port: 0 }],
    upstreams: ["http://[::1]:8080/v1", "not a url"],
    dataDir: "/data",
    readOnly: ["/home/me/.codex"],
  });
  assert.deepEqual(permissions.net, ["[::1]", "[::1]:8080"]);
  assert.deepEqual(permissions.read, ["/data", "/home/me/.codex"]);
  assert.deepEqual(permissions.write, ["/data"]);
});

Deno.test("netEntry() uses the scheme's default port", () => {
  assert.equal(
    netEntry("https://generativelanguage.googleapis.com"),
    "generativelanguage.googleapis.com:443",
  );
  assert.equal(netEntry("http://example.test"), "example.test:80");
  assert.equal(netEntry("redis://127.0.0.1"), "127.0.0.1:6379");
  assert.equal(netEntry("file:///etc/passwd"), null);
});

Deno.test("describePermissions() names every kind, none for the denied ones", () => {
  const text = describePermissions(
    sandboxPermissions({ listen: [{ hostname: "127.0.0.1", port: 8000 }], upstreams: [], dataDir: "/d" }),
  );
  assert.match(text, /^net: {3}127\.0\.0\.1:8000$/m);
  assert.match(text, /^env: {3}none/m);
  assert.match(text, /^run: {3}none$/m);
});
