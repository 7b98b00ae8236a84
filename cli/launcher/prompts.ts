/**
 * The launcher's prompts: clack's, with Ctrl-C (or Esc) turned into {@link Interrupted} so that any
 * prompt can leave the launcher at once, with the terminal restored by clack and nothing half-written
 * (every write happens after its prompts have all been answered).
 */
import { Prompt, TextPrompt } from "@clack/core";
import { confirm, isCancel, password, select, text } from "@clack/prompts";
import process from "node:process";
import { Interrupted } from "../failure.ts";

/** One choice of a menu. */
export interface Choice<T> {
  value: T;
  label: string;
  hint?: string;
}

/** Let the user pick one choice. */
export async function choose<T>(message: string, choices: readonly Choice<T>[]): Promise<T> {
  // clack's option type is a conditional type over T; the choices have exactly its fields.
  const options = choices.map((choice) => ({ ...choice })) as Parameters<typeof select<T>>[0]["options"];
  const answer = await select<T>({ message, options });
  if (isCancel(answer)) throw new Interrupted();
  return answer;
}

/** Ask for one line of text, validated in place. */
export async function ask(
  message: string,
  options: { initial?: string; placeholder?: string; validate?: (value: string) => string | undefined } = {},
): Promise<string> {
  const answer = await text({
    message,
    initialValue: options.initial,
    placeholder: options.placeholder,
    validate: options.validate ? (value) => options.validate!(value ?? "") : undefined,
  });
  if (isCancel(answer)) throw new Interrupted();
  return (answer ?? "").trim();
}

/** Ask for a secret; nothing typed is echoed. */
export async function askSecret(
  message: string,
  validate: (value: string) => string | undefined,
): Promise<string> {
  const answer = await password({ message, validate: (value) => validate(value ?? "") });
  if (isCancel(answer)) throw new Interrupted();
  return answer.trim();
}

/** Ask yes or no. */
export async function askYesNo(message: string, initial = false): Promise<boolean> {
  const answer = await confirm({ message, initialValue: initial });
  if (isCancel(answer)) throw new Interrupted();
  return answer;
}

/**
 * A line of text with a live preview under it, recomputed on every key (the model filters' preview
 * of which models a pattern keeps).
 */
export async function askWithPreview(
  message: string,
  options: {
    initial?: string;
    preview: (value: string) => string[];
    validate?: (value: string) => string | undefined;
  },
): Promise<string> {
  const prompt = new TextPrompt({
    initialUserInput: options.initial,
    validate: options.validate ? (value) => options.validate!(value ?? "") : undefined,
    render() {
      const typed = this.userInput ?? "";
      if (this.state === "submit") return `│\n◇  ${message}\n│  ${typed}`;
      if (this.state === "cancel") return `│\n■  ${message}`;
      const error = this.state === "error" ? `\n│  ${this.error}` : "";
      const preview = options.preview(typed).map((line) => `│    ${line}`).join("\n");
      return `│\n◆  ${message}\n│  ${this.userInputWithCursor}${error}\n│\n${preview}\n└`;
    },
  });
  const answer = await prompt.prompt();
  if (isCancel(answer)) throw new Interrupted();
  return (answer ?? prompt.userInput ?? "").trim();
}

/**
 * Show a view that changes with time (cooldowns counting down) until Enter; Ctrl-C leaves the launcher.
 * clack re-renders a prompt when its output is resized, the one public way to redraw it from outside.
 */
export async function showLive(title: string, lines: () => string[]): Promise<void> {
  const prompt = new Prompt<undefined>({
    input: process.stdin,
    output: process.stdout,
    render() {
      if (this.state === "submit" || this.state === "cancel") return `│\n◇  ${title}`;
      return `│\n◆  ${title}\n${lines().map((line) => `│  ${line}`).join("\n")}\n│\n└  Enter: back`;
    },
  }, false);
  const timer = setInterval(() => process.stdout.emit("resize"), 1000);
  try {
    const answer = await prompt.prompt();
    if (isCancel(answer)) throw new Interrupted();
  } finally {
    clearInterval(timer);
  }
}
