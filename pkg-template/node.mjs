// Entry for Node's import. It re-exports the CommonJS entry, so a process that
// both imports and requires the package loads one module and one B24Error class.
import entry from './node.cjs';

export const { bindTimeline, createClient, validateBindFields, TimelineClient, B24Error } = entry;
