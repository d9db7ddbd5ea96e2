// JSON bodies must be UTF-8. Fastify decodes a body with replacement characters, so bytes that
// are not UTF-8 would be stored as "�" without a word; this preParsing hook passes the body
// through a strict decoder as it streams (nothing is buffered beyond what the parser reads,
// and the body limit still applies) and refuses it with VALIDATION_FAILED naming `body`.
import { Transform } from 'node:stream';
import type { preParsingAsyncHookHandler } from 'fastify';
import { AppError } from '../lib/index.js';

export const refuseInvalidUtf8: preParsingAsyncHookHandler = async (_request, _reply, payload) => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const invalid = () => new AppError('VALIDATION_FAILED', `body: is not valid UTF-8 (a bad byte at or after byte ${offset}); send JSON encoded as UTF-8`, { field: 'body' });
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        callback(invalid());
        return;
      }
      offset += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      try {
        decoder.decode();
        callback();
      } catch {
        callback(invalid());
      }
    },
  });
  payload.on('error', (error) => checked.destroy(error));
  return payload.pipe(checked);
};
