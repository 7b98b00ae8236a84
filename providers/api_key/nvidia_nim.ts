/** NVIDIA NIM (build.nvidia.com): OpenAI-compatible Chat Completions API. */
import { openAICompatible } from "./openai_compatible.ts";

/** The nvidia_nim provider. */
export const nvidiaNim = openAICompatible({
  id: "nvidia_nim",
  baseUrl: "https://integrate.api.nvidia.com/v1",
});
