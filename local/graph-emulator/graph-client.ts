/**
 * A @microsoft/microsoft-graph-client Client wired to the emulator. Two things in the stock client
 * assume https Graph hosts (lib/src/GraphRequestUtil.js, isValidEndpoint): its AuthenticationHandler
 * strips the Authorization header from any http URL, and `client.api(url)` only recognises absolute
 * URLs that start with https://, so an absolute http nextLink is glued onto the base URL. This
 * client sends the token itself and turns the emulator's own absolute URLs into relative ones.
 */
import {
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';

class EmulatorBearer implements Middleware {
  private next: Middleware | undefined;
  constructor(
    private readonly token: () => string,
    private readonly origin: string,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    if (!url.startsWith(this.origin)) throw new Error(`refusing to send a token to ${url}`);
    context.options = context.options ?? {};
    const token = this.token();
    context.options.headers = {
      ...(context.options.headers as Record<string, string> | undefined),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    };
    if (!this.next) throw new Error('EmulatorBearer has no next middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface EmulatorClientOptions {
  /** The emulator's url (http://127.0.0.1:<port>). */
  url: string;
  /** Bearer token; empty sends none. */
  token: string | (() => string);
  /** Retry 429/503/504 honouring Retry-After (the stock RetryHandler). Default false: callers see every status. */
  retry?: boolean;
}

export function createEmulatorGraphClient(options: EmulatorClientOptions): Client {
  const token = typeof options.token === 'function' ? options.token : () => options.token as string;
  const middleware: Middleware[] = [new EmulatorBearer(token, options.url)];
  if (options.retry) middleware.push(new RetryHandler(new RetryHandlerOptions()));
  middleware.push(new HTTPMessageHandler());
  return Client.initWithMiddleware({ baseUrl: `${options.url}/`, middleware });
}

/** `@odata.nextLink` (absolute, http) → the path `client.api()` accepts, with its version. */
export function relativeLink(url: string, link: string): { version: string; path: string } {
  if (!link.startsWith(`${url}/`)) throw new Error(`nextLink ${link} does not point at the emulator ${url}`);
  const rest = link.slice(url.length + 1);
  const slash = rest.indexOf('/');
  return { version: rest.slice(0, slash), path: rest.slice(slash) };
}
