/**
 * The permissions the server's Worker runs with, computed from the configuration: it may listen where it
 * was told to, reach the hosts of the providers (APIs and OAuth endpoints) and the state store it was
 * given, read and write its data directory, and nothing else: no environment (the configuration is
 * passed in), no subprocesses, no FFI, no system information.
 * https://docs.deno.com/runtime/fundamentals/security/
 */

/** Deno's permission options for a Worker (`new Worker(url, { deno: { permissions } })`). */
export interface SandboxPermissions {
  net: string[];
  read: string[];
  write: string[];
  env: false;
  run: false;
  ffi: false;
  sys: false;
  import: false;
}

/** What the server must be able to do. */
export interface SandboxNeeds {
  /** Addresses to listen on (port 0: any port of that host, as tests ask the system for a free one). */
  listen: ReadonlyArray<{ hostname: string; port: number }>;
  /** Every URL the server calls: provider API bases, OAuth endpoints, the state store. */
  upstreams: readonly string[];
  /** The data directory (absolute): `.env`, `usage/`, `logs/`, `oauth_creds/`. */
  dataDir: string;
  /** Further folders to read, only while they are needed (the CLI home folders during an import). */
  readOnly?: readonly string[];
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  "http:": 80,
  "https:": 443,
  "ws:": 80,
  "wss:": 443,
  "redis:": 6379,
  "rediss:": 6379,
};

/** The narrow permission set for `needs`; duplicates removed, order stable. */
export function sandboxPermissions(needs: SandboxNeeds): SandboxPermissions {
  const net = new Set<string>();
  for (const { hostname, port } of needs.listen) {
    net.add(port === 0 ? netHost(hostname) : `${netHost(hostname)}:${port}`);
  }
  for (const upstream of needs.upstreams) {
    const entry = netEntry(upstream);
    if (entry !== null) net.add(entry);
  }
  const read = [needs.dataDir, ...(needs.readOnly ?? [])];
  return {
    net: [...net],
    read: [...new Set(read)],
    write: [needs.dataDir],
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

/** `host:port` of a URL for Deno's `net` permission, or null when it names no host. */
export function netEntry(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.hostname === "") return null;
  const port = parsed.port !== "" ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  return port === undefined ? netHost(parsed.hostname) : `${netHost(parsed.hostname)}:${port}`;
}

/** IPv6 literals are written in brackets in permission descriptors, as in URLs. */
function netHost(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

/** The permissions as `proxy permissions` prints them, one line per kind. */
export function describePermissions(permissions: SandboxPermissions): string {
  const list = (values: readonly string[]) => values.length === 0 ? "none" : values.join(", ");
  return [
    `net:   ${list(permissions.net)}`,
    `read:  ${list(permissions.read)}`,
    `write: ${list(permissions.write)}`,
    "env:   none (the configuration is passed in)",
    "run:   none",
    "ffi:   none",
    "sys:   none",
  ].join("\n");
}
