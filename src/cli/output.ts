// The one way CLI commands print to the operator's terminal. Everything goes through the inert
// filters (inert.ts), so a command that forgets to escape an agent's string still cannot
// print a control character: only its own line breaks survive.
import { inertJson, inertText } from './inert.js';

/** Prints text (control characters escaped, line breaks kept) to stdout. */
export function printText(text: string): void {
  process.stdout.write(inertText(text) + '\n');
}

/** Prints `json` pretty when --json was given, else `text`; both made inert. */
export function printOutput(json: unknown, text: string, asJson: unknown): void {
  process.stdout.write((asJson === true ? inertJson(json) : inertText(text)) + '\n');
}

/** One line to stderr (errors), made inert: an error message may quote agent text. */
export function printError(line: string): void {
  process.stderr.write(inertText(line) + '\n');
}
