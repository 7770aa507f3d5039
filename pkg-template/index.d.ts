export {
  bindTimeline,
  createClient,
  validateBindFields,
  TimelineClient,
  B24Error,
} from './b24_timeline.js';
export type {
  BindFields,
  ValidFields,
  EntityType,
  Field,
  FieldIssue,
  ErrorKind,
  ResponseTime,
  BindResult,
  Connection,
  CallOptions,
  B24ErrorInit,
} from './b24_timeline.js';
