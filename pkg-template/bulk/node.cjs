// The bulk module for Node, required by `bindTimelineMany` on its first use.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const glue = require('../b24_bulk.cjs');
const { runBulk } = require('./run.cjs');

glue.initSync({ module: readFileSync(join(__dirname, '..', 'b24_bulk_bg.wasm')) });

/** Binds `items` through `client`; see `runBulk`. */
exports.bindMany = (client, items, options, B24Error) => runBulk(glue.Bulk, B24Error, client, items, options);
