import { app } from '@azure/functions';
import { loadConfig } from '../core/config.js';
import { registerActivities } from './activities.js';
import { registerAppPasswordApi } from './appPasswords.js';
import { createServices } from './composition.js';
import { registerEmployeePages } from './employeePages.js';
import './enrollmentOrchestration.js';
import { registerHrApi } from './hrApi.js';
import { registerOpenApi } from './openApi.js';

/**
 * The app's entry (package.json "main"). Settings are read and validated here, once: a missing or malformed
 * setting stops start-up with a message that names it. Registering functions imports no Azure SDK.
 */
const services = createServices(loadConfig(process.env));
// A graceful shutdown (scale-in, a deployment) waits for the steps requests handed off after answering.
app.hook.appTerminate(() => services.followUps.idle());
registerHrApi(services);
registerAppPasswordApi(services);
registerActivities(services);
registerEmployeePages(services);
registerOpenApi(services);
