import { connect, type Socket } from 'node:net';

/**
 * One TCP connection spoken to in raw HTTP/1.1, so a test sees what a client really gets: a
 * response, a clean close (FIN) or a reset, and whether the connection is still usable.
 */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  /** How the connection ended, once it has: 'fin' when the server closed it cleanly. */
  ended: 'fin' | 'reset' | undefined;
  error: string | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended ??= 'fin';
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code ?? err.message;
      if (err.code === 'ECONNRESET') this.ended = 'reset';
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes and resolves once the bytes are handed to the kernel (or the socket failed). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Streams `total` bytes of filler (spaces, valid inside JSON) without waiting for the server to read them. */
  async writeFiller(total: number, chunk = 64 * 1024): Promise<void> {
    const block = Buffer.alloc(chunk, 0x20);
    for (let sent = 0; sent < total && !this.socket.destroyed && this.socket.writable; sent += chunk) {
      await this.write(sent + chunk <= total ? block : block.subarray(0, total - sent));
    }
  }

  /** The next complete response (Content-Length or chunked body), or throws after the deadline saying what was seen. */
  async response(timeoutMs = 5_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.take();
      if (parsed) return parsed;
      if (this.closed)
        throw new Error(
          `connection closed (${this.ended ?? 'no FIN'}${this.error ? `, ${this.error}` : ''}) before a complete response; got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `no complete response within ${timeoutMs} ms; got ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`,
        );
      await this.next(deadline - Date.now());
    }
  }

  /** Resolves when the server has closed the connection, or throws after the deadline. */
  async closedWithin(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`connection still open after ${timeoutMs} ms`);
      await this.next(deadline - Date.now());
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine!.split(' ')[1]);
    if (headers['transfer-encoding'] === 'chunked') {
      let at = end + 4;
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      this.buffer = this.buffer.subarray(at);
      return { status, headers, body: Buffer.concat(parts).toString('utf8') };
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status, headers, body };
  }

  private next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, timeoutMs));
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A request head; `headers` in order, Host added. */
export function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  return `${method} ${path} HTTP/1.1\r\nhost: receiver\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}
