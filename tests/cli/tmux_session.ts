/**
 * Driving the launcher in a real terminal: a tmux server of its own (`tmux -L <unique>`), a pane of
 * fixed size running `main.ts`, keys sent with `send-keys` and the screen read with `capture-pane`.
 * When the program exits the pane prints its exit code and `stty -a`, so tests can check that the
 * terminal was left clean.
 */
import { baseEnv, PROJECT_ROOT, PROXY_RUNTIME_FLAGS } from "../helpers/proxy_process.ts";

/** A launcher running in tmux. */
export class TmuxSession {
  readonly socket: string;
  readonly dataDir: string;

  private constructor(socket: string, dataDir: string) {
    this.socket = socket;
    this.dataDir = dataDir;
  }

  /** Start `main.ts <args>` in a 120×50 pane with `dataDir` as PROXY_DATA_DIR. */
  static async start(dataDir: string, args: string[] = []): Promise<TmuxSession> {
    const socket = `proxy-test-${crypto.randomUUID().slice(0, 8)}`;
    const env = { ...baseEnv(), TERM: "xterm-256color", PROXY_DATA_DIR: dataDir };
    const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
    const command = [
      "env",
      "-i",
      ...Object.entries(env).map(([name, value]) => quote(`${name}=${value}`)),
      quote(Deno.execPath()),
      "run",
      ...PROXY_RUNTIME_FLAGS,
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      quote(`${PROJECT_ROOT}main.ts`),
      ...args.map(quote),
    ].join(" ");
    const script = `${dataDir}/../${socket}.sh`;
    await Deno.writeTextFile(
      script,
      `cd ${quote(PROJECT_ROOT)}\n${command}\necho "EXIT:$?"\nstty -a\nsleep 600\n`,
    );
    const session = new TmuxSession(socket, dataDir);
    await session.tmux(["new-session", "-d", "-x", "120", "-y", "50", `bash ${quote(script)}`]);
    return session;
  }

  /** Run a tmux command against this session's own server. */
  async tmux(args: string[]): Promise<string> {
    const result = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (!result.success) {
      throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(result.stderr)}`);
    }
    return new TextDecoder().decode(result.stdout);
  }

  /** Press keys by tmux name: `Enter`, `Down`, `C-c`, … */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux(["send-keys", key]);
  }

  /** Type text literally. */
  async type(text: string): Promise<void> {
    await this.tmux(["send-keys", "-l", "--", text]);
  }

  /** The visible screen. */
  screen(): Promise<string> {
    return this.tmux(["capture-pane", "-p"]);
  }

  /** Wait until the screen matches (the program's own pace, never a cooldown). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (pattern.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${pattern}; the screen was:\n${screen}`);
  }

  /**
   * In the active select prompt (the last `◆` block), move to the option whose label starts with
   * `label` and press Enter.
   */
  async choose(label: string): Promise<void> {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const screen = await this.waitFor(new RegExp(`[●○] ${escaped}`));
    const block = screen.slice(screen.lastIndexOf("◆"));
    const options = block.split("\n").filter((line) => /[●○] /.test(line));
    const active = options.findIndex((line) => line.includes("●"));
    const target = options.findIndex((line) => line.replace(/^.*?[●○] /, "").startsWith(label));
    if (target === -1 || active === -1) throw new Error(`no option "${label}" in:\n${block}`);
    const key = target > active ? "Down" : "Up";
    for (let step = 0; step < Math.abs(target - active); step++) await this.press(key);
    await this.waitFor(new RegExp(`● ${escaped}`));
    await this.press("Enter");
  }

  /** Stop the tmux server (and the program in it) and remove the script and the server's socket file. */
  async kill(): Promise<void> {
    await this.tmux(["kill-server"]).catch(() => "");
    // `id -u` rather than Deno.uid(), which needs a permission (sys) the test task does not grant.
    const id = await new Deno.Command("id", { args: ["-u"], stdout: "piped", stderr: "null" }).output()
      .catch(() => null);
    const uid = id?.success ? new TextDecoder().decode(id.stdout).trim() : null;
    if (uid) {
      const directory = Deno.env.get("TMUX_TMPDIR") ?? "/tmp";
      await Deno.remove(`${directory}/tmux-${uid}/${this.socket}`).catch(() => {});
    }
    await Deno.remove(`${this.dataDir}/../${this.socket}.sh`).catch(() => {});
  }
}

/** Whether `stty -a` output shows a cooked terminal: echo and canonical mode on. */
export function terminalIsClean(screen: string): boolean {
  const stty = screen.slice(screen.indexOf("EXIT:"));
  return /(^|\s)icanon(\s|;|$)/m.test(stty) && /(^|\s)echo(\s|;|$)/m.test(stty) &&
    !/-icanon|(^|\s)-echo(\s|$)/m.test(stty);
}
