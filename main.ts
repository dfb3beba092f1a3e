// `npm start`: the whole platform in one process on its embedded defaults.
import { ConfigError, loadConfig } from './core/config.ts';
import { createLogger, stdoutDestination } from './core/log.ts';
import { startPurna } from './app.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`purna: bad configuration: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.logLevel);
const purna = await startPurna(config, log);

const fleetNote = purna.fleet ? `, simulating ${purna.fleet.devices.length} devices` : '';
log.info({ dashboard: purna.dashboardUrl, mqtt: purna.mqttUrl, store: purna.store.kind }, 'purna started');
const login = purna.demoLogin
  ? `  Log in:    ${purna.demoLogin.email} / ${purna.demoLogin.password}  (demo password, new at every start;\n             technicians: <technician id>@purna.demo, same password)\n`
  : '';
// Through the log's destination, not process.stdout: on a full disk that would throw and end the process.
stdoutDestination().write(
  `\n  Purna is running${fleetNote}.\n  Dashboard: ${purna.dashboardUrl}\n${login}  MQTT:      ${purna.mqttUrl}\n\n`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    purna.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
