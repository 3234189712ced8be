import { clientDialect } from './dialect';
import { registerPolling } from './routes';
import { registerStreams } from './stream-routes';

export { BASE as CLIENT_BASE } from './dialect';

/** The client API (seeds/000): push channels first, whose paths the polling routes' `/{id}` would take. */
export function clientApi() {
  const dialect = clientDialect();
  registerStreams(dialect);
  registerPolling(dialect);
  return dialect.app;
}
