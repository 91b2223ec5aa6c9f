// Agent-controlled text made harmless for the operator's terminal. An agent writes messages,
// descriptions, memos, prompts and logs; printed raw, an escape sequence in them could clear
// the screen, rewrite a line to fake `audit ok`, write the clipboard (OSC 52) or plant a link,
// and a bidi override could reorder what the operator reads. Every such character is shown as
// a visible escape instead: C0 controls, DEL, C1 controls (U+0080-U+009F, which some
// terminals obey like ESC [) and the bidi embedding, override and isolate marks.

/** Characters a terminal may act on or that reorder text. `\n` is among them: see `inert`. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, less the newline, for whole documents the CLI composed itself. */
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escape(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One field of output (a cell, a name, a message), inert: every control character is shown
 * escaped, newlines too, so a field can neither act on the terminal nor forge a line.
 */
export function inert(value: unknown): string {
  return String(value).replace(UNSAFE, escape);
}

/**
 * A whole text block, inert except for its line breaks. The last line of defence for text
 * the CLI assembles: fields should already have passed `inert`, which also escapes newlines.
 */
export function inertText(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/**
 * JSON whose strings cannot act on a terminal either: JSON.stringify escapes C0 controls but
 * not DEL, C1 or bidi marks. `\uXXXX` is still valid JSON for the same string. The newlines
 * left are the pretty-printer's own (inside strings JSON has already escaped them).
 */
export function inertJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_BUT_NEWLINE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
