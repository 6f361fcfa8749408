import * as df from 'durable-functions';
import { enrollmentOrchestrationName } from '../core/orchestrationContract.js';
import { enrollmentOrchestrator } from '../orchestrations/enrollment.js';

df.app.orchestration(enrollmentOrchestrationName, enrollmentOrchestrator);
