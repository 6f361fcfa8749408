import * as df from 'durable-functions';
import { activityNames } from '../core/orchestrationContract.js';
import type { Services } from './composition.js';
import { createActivities } from './handlers/activities.js';

export function registerActivities(services: Services): void {
  const activities = createActivities(services);
  df.app.activity(activityNames.sendEmail, { handler: activities.sendEnrollmentEmail });
  df.app.activity(activityNames.mintAppPassword, { handler: activities.mintAppPassword });
  df.app.activity(activityNames.disableAppPassword, { handler: activities.disableAppPassword });
  df.app.activity(activityNames.recordOutcome, { handler: activities.recordOutcome });
  df.app.activity(activityNames.notifyHr, { handler: activities.notifyHr });
}
