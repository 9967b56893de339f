/**
 * A TCP server on a loopback port the OS picks: this process holds the port for the whole test, so
 * no other process can take it (no free-port race), and it counts who connects.
 */
import { createServer, type Socket } from 'node:net';

export interface HeldPort {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** By default each connection is dropped at once: a peer that is there but answers nothing. */
export async function holdLoopbackPort(onConnection: (socket: Socket) => void = (socket) => socket.destroy()): Promise<HeldPort> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the loopback server has no port');
  return {
    port: address.port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
