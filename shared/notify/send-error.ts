/**
 * Why a notification could not be sent. Its own module so the delivery rules (deliver.ts) can name it
 * without loading the HTTP client (undici) when the app starts: the poster is built on first use.
 *
 * Refused by the guard (another attempt cannot help), or the network / a timeout.
 */
export class SendError extends Error {
  constructor(
    readonly kind: 'refused' | 'network' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'SendError';
  }
}
