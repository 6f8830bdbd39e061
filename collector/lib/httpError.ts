// A refusal that becomes a JSON `{error}` reply. The message is read by site
// owners (the tracker passes it on as its failure reason), so it says what
// went wrong and what to do about it.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
