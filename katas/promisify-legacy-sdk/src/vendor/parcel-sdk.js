/*
 * parcel-sdk 0.9.4 (ShipQuick Ltd., 2015), vendored.
 *
 * VENDORED THIRD-PARTY CODE: DO NOT EDIT. The vendor no longer exists and this copy is what
 * production has run since 2016. Wrap it (src/parcels.ts); never change it. A test checks this
 * file's content hash.
 *
 * In sandbox mode (the only mode left: the ShipQuick servers are gone) the client answers from
 * the `sandbox` data it is given, with the same timing and the same quirks as the real service.
 */
'use strict';

var EventEmitter = require('events').EventEmitter;

/**
 * new ParcelClient({ sandbox: { parcels: { <id>: <status> }, rates: { '<from>-<to>': { perKg, currency, etaDays } },
 *                               labels: { <id>: [chunk, ...] }, failures: { <id>: <message> } } })
 */
function ParcelClient(options) {
  this.sandbox = (options && options.sandbox) || {};
  this.cache = {};
  this.requests = 0;
}

/**
 * track(id, callback(status, err)): the status of a parcel.
 * NB: result first! The error, if any, is a string, second.
 * Statuses are cached: a cached status is returned straight away.
 */
ParcelClient.prototype.track = function (id, callback) {
  var self = this;
  if (self.cache[id]) {
    return callback(self.cache[id]);
  }
  self.requests++;
  setImmediate(function () {
    var status = (self.sandbox.parcels || {})[id];
    if (!status) return callback(null, 'NOT_FOUND: no parcel ' + id);
    self.cache[id] = status;
    callback(status);
  });
};

/**
 * quote(from, to, weightKg, callback(err, priceCents, currency, etaDays)): what shipping costs.
 * The error, if any, is a string.
 */
ParcelClient.prototype.quote = function (from, to, weightKg, callback) {
  var self = this;
  self.requests++;
  setImmediate(function () {
    var rate = (self.sandbox.rates || {})[from + '-' + to];
    if (!rate) return callback('NO_ROUTE: ' + from + ' to ' + to);
    callback(null, Math.round(rate.perKg * weightKg), rate.currency, rate.etaDays);
  });
};

/**
 * label(id): the shipping label as an event emitter: 'data' (Buffer), then 'end'.
 * On failure it emits 'error' (a string), and then 'end' as well, as the real service did.
 */
ParcelClient.prototype.label = function (id) {
  var self = this;
  var stream = new EventEmitter();
  self.requests++;
  var chunks = (self.sandbox.labels || {})[id] || [];
  var failure = (self.sandbox.failures || {})[id];
  var i = 0;
  function next() {
    if (i < chunks.length) {
      stream.emit('data', Buffer.from(chunks[i++]));
      return setImmediate(next);
    }
    if (failure) stream.emit('error', failure);
    stream.emit('end');
  }
  setImmediate(next);
  return stream;
};

module.exports = { ParcelClient: ParcelClient };
