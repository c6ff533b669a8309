/** Error codes raised by the context module. */
export type ContextErrorCode = 'VX_BAD_CONTEXT' | 'VX_UNKNOWN_CONTEXT';

/**
 * A context file (or a run-time slot override) is malformed, or a named context cannot be found.
 *
 * `code` is `VX_BAD_CONTEXT` for content errors and `VX_UNKNOWN_CONTEXT` when a context file is missing.
 * The message starts with `source:line:` when a line is known.
 */
export class ContextError extends Error {
  override readonly name = 'ContextError';
  /** Stable string code, see {@link ContextErrorCode}. */
  readonly code: ContextErrorCode;
  /** Where the context came from: a file path, a context name, or the `source` given to `parseContext`. */
  readonly source: string;
  /** 1-based line of the offending expression, slot value, macro or reply; `undefined` when not tied to a line. */
  readonly line: number | undefined;
  /** What is wrong, without the `source:line:` prefix. */
  readonly detail: string;

  constructor(
    detail: string,
    source: string,
    line: number | undefined,
    options: { code?: ContextErrorCode; cause?: unknown } = {},
  ) {
    super(
      `${source}${line === undefined ? '' : `:${line}`}: ${detail}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = options.code ?? 'VX_BAD_CONTEXT';
    this.source = source;
    this.line = line;
    this.detail = detail;
  }
}
