import * as os from 'node:os';
import { parseArgs } from 'node:util';

import { startBoard } from '../../dojo/board-server';
import { type Command, UsageError } from '../command';
import { color, note, say } from '../output';

export const boardCommand: Command = {
  name: 'board',
  summary: 'For dojo facilitators: a live board of every team\'s test runs (traffic lights, step, time left), served to a browser.',
  usage: [
    'Usage: npx kata board [--port 7777] [--host 127.0.0.1]',
    '',
    '  --port   the port to listen on (default 7777)',
    '  --host   the address to listen on (default 127.0.0.1, this laptop only; 0.0.0.0 for the room\'s network)',
    '',
    'Open the printed address in a browser on the projector. Teams join with',
    '`npx kata dojo <kata> --team NAME --board http://<this laptop>:<port>`. Ctrl-C stops the board.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { port: { type: 'string' }, host: { type: 'string' } } });
    const port = values.port === undefined ? 7777 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number from 0 to 65535 (got "${values.port}").`);
    const host = values.host ?? '127.0.0.1';
    const board = await startBoard({ port, host });
    const lan = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => `http://${a!.address}:${board.port}`);
    say(
      color.bold(`kata board: ${board.url}`),
      host === '127.0.0.1' || host === 'localhost'
        ? note('Listening on this laptop only. For the teams\' laptops, restart with --host 0.0.0.0.')
        : `Teams post to: ${lan.join(' or ') || board.url}`,
      note(`Teams join with: npx kata dojo <kata> --team NAME --board ${host === '127.0.0.1' || host === 'localhost' ? board.url : lan[0] ?? board.url}`),
      note('Ctrl-C stops the board.'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await board.close();
    return 0;
  },
};
