// Entry for Node's require: the CommonJS copy of the glue, loaded
// synchronously. The bulk module is loaded when `bindTimelineMany` is first
// called.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const glue = require('./b24_timeline.cjs');

glue.initSync({ module: readFileSync(join(__dirname, 'b24_timeline_bg.wasm')) });

const B24Error = glue.__b24ErrorClass();

glue.TimelineClient.prototype.bindTimelineMany = async function bindTimelineMany(items, options) {
  return require('./bulk/node.cjs').bindMany(this, items, options, B24Error);
};

module.exports = {
  bindTimeline: glue.bindTimeline,
  createClient: glue.createClient,
  validateBindFields: glue.validateBindFields,
  TimelineClient: glue.TimelineClient,
  B24Error,
};
