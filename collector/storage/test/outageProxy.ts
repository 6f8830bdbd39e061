// A TCP proxy in front of a service under test (the in-process s3rver,
// which cannot be frozen with a signal) that can play its outages:
//   hang()     connections are accepted and bytes received, but nothing is
//              passed on or answered: a store that hangs (partition, overload)
//   refuse()   every connection is cut and new ones are refused: a store that is down
//   restore()  back to passing everything through; what a hang held is passed on
import {connect, createServer, type Server, type Socket} from 'node:net';

export interface OutageProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  hang(): void;
  refuse(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOutageProxy(target: {host: string; port: number}): Promise<OutageProxy> {
  let hanging = false;
  const sockets = new Set<Socket>();
  // Bytes a hang held back, sent on when it ends.
  const held: Array<() => void> = [];

  const server: Server = createServer((client) => {
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    const pass = (to: Socket) => (chunk: Buffer) => {
      const send = () => !to.destroyed && to.write(chunk);
      if (hanging) held.push(send);
      else send();
    };
    client.on('data', pass(upstream));
    upstream.on('data', pass(client));
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as {port: number}).port;
        resolve();
      });
    });
  await listen();
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    hang() {
      hanging = true;
    },
    async refuse() {
      hanging = false;
      held.length = 0;
      const closed = new Promise((resolve) => server.close(resolve));
      cutAll();
      await closed;
    },
    async restore() {
      hanging = false;
      for (const send of held.splice(0)) send();
      if (!server.listening) await listen();
    },
    async stop() {
      hanging = false;
      held.length = 0;
      const closed = server.listening ? new Promise((resolve) => server.close(resolve)) : null;
      cutAll();
      await closed;
    },
  };
}
