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
  B24Like,
  B24ResultLike,
  BX24Like,
  BX24ResultLike,
} from './b24_timeline.js';
