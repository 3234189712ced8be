import { call } from '../../helpers';

export const LIST = '/api/v1/client/notifications';

export const ack = (id: string, headers: Record<string, string>) => call(`${LIST}/${id}/acknowledge`, { method: 'POST', headers });
