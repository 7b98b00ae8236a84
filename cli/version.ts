/** The version `proxy --version` prints: the release and the commit it was built from. */
import { BUILD_INFO } from "../lib/build_info.ts";

/** `0.3.0 (commit 1a2b3c4d5e6f)`; a source checkout says `0.3.0-dev (source checkout)`. */
export const VERSION = BUILD_INFO.commit === "source checkout"
  ? `${BUILD_INFO.version} (source checkout)`
  : `${BUILD_INFO.version} (commit ${BUILD_INFO.commit})`;
