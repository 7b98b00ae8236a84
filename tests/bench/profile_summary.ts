// deno-lint-ignore-file no-console
/**
 * Reads V8 `.cpuprofile` files (written by `deno run --cpu-prof`, e.g. `deno task bench --cpu-prof`) and
 * prints where the time went: self time summed by function and by source file, as shares of the sampled
 * time, biggest first. Run: `deno run --allow-read tests/bench/profile_summary.ts <file|dir>… [--top=N]`.
 */

/** The parts of a `.cpuprofile` this summary reads (Chrome DevTools Protocol `Profiler.Profile`). */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (µs) per key, from one profile. */
export function selfTimes(
  profile: CpuProfile,
  keyOf: (frame: CpuProfile["nodes"][number]["callFrame"]) => string,
): Map<string, number> {
  const keyById = new Map(profile.nodes.map((node) => [node.id, keyOf(node.callFrame)]));
  const totals = new Map<string, number>();
  // timeDeltas[i] is the time before sample i; it is charged to the sample it precedes.
  for (let index = 0; index < profile.samples.length; index++) {
    const key = keyById.get(profile.samples[index]) ?? "?";
    totals.set(key, (totals.get(key) ?? 0) + Math.max(0, profile.timeDeltas[index] ?? 0));
  }
  return totals;
}

function shortUrl(url: string): string {
  if (url === "") return "(native)";
  const marker = url.lastIndexOf("/node_modules/");
  if (marker >= 0) return `npm:${url.slice(marker + 14)}`;
  const npm = url.indexOf("/registry.npmjs.org/");
  if (npm >= 0) return `npm:${url.slice(npm + 20)}`;
  const project = url.indexOf("/lib/");
  if (project >= 0) return url.slice(project + 1);
  const ext = url.indexOf("ext:");
  return ext >= 0 ? url.slice(ext) : url.split("/").slice(-2).join("/");
}

/** Prints the biggest entries as shares of the busy time (idle samples left out). */
function print(title: string, totals: Map<string, number>, top: number): void {
  const idle = [...totals].filter(([key]) => key.startsWith("(idle)")).reduce((a, [, b]) => a + b, 0);
  const sum = [...totals.values()].reduce((a, b) => a + b, 0) - idle;
  console.log(
    `\n${title} (busy ${(sum / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms; shares of busy)`,
  );
  totals = new Map([...totals].filter(([key]) => !key.startsWith("(idle)")));
  for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((micros / sum) * 100).toFixed(1).padStart(6)}%  ${key}`);
  }
}

async function profilesIn(path: string): Promise<string[]> {
  const info = await Deno.stat(path);
  if (info.isFile) return [path];
  const files: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isFile && entry.name.endsWith(".cpuprofile")) files.push(`${path}/${entry.name}`);
    else if (entry.isDirectory) files.push(...await profilesIn(`${path}/${entry.name}`));
  }
  return files;
}

if (import.meta.main) {
  const top = Number(Deno.args.find((arg) => arg.startsWith("--top="))?.slice(6) ?? 30);
  const paths = Deno.args.filter((arg) => !arg.startsWith("--"));
  for (const path of paths) {
    for (const file of await profilesIn(path)) {
      const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
      const byFunction = selfTimes(
        profile,
        (frame) =>
          `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}${
            frame.url ? `:${frame.lineNumber + 1}` : ""
          }`,
      );
      const byFile = selfTimes(profile, (frame) => shortUrl(frame.url));
      console.log(`\n=== ${file}`);
      print("self time by function", byFunction, top);
      print("self time by file", byFile, top);
    }
  }
}
