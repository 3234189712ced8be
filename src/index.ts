import { buildApp } from './app';

export { PlayerListeners } from './realtime/player-listeners';
export { ProjectListenerShard } from './realtime/project-listeners';

export default buildApp();
