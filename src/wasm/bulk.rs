//! Bulk binding: items checked at once, sent in batches of up to 50 through
//! the client's session (so the bucket, retries and refresh apply to each
//! batch), and every item's outcome kept at its own index. `transport.js`'s
//! `driveMany` runs a few batches at a time; every decision is made here.

use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::call::{CallOptions, Job, Session};
use super::convert::{is_array, to_js_error, JsObject};
use crate::batch::MAX_COMMANDS;
use crate::error::{code, B24Error};
use crate::fields::ValidFields;
use crate::value::Source;

/// How many batches may be in flight at once. The bucket paces them; this
/// only lets a first burst go out together rather than a round trip apart.
const WORKERS: usize = 4;

/// A bulk binding in progress.
#[wasm_bindgen(skip_typescript)]
pub struct Bulk {
    session: Rc<Session>,
    options: CallOptions,
    batches: Vec<Vec<usize>>,
    fields: Vec<Option<ValidFields>>,
    entries: Vec<Option<JsValue>>,
    next: usize,
    settled: usize,
}

impl Bulk {
    /// A bulk binding of `items`, each already read: its fields, or the
    /// error that refused it (that item settles at once, never sent).
    #[inline(never)]
    pub fn new(
        session: Rc<Session>,
        options: CallOptions,
        items: Vec<Result<ValidFields, B24Error>>,
    ) -> Bulk {
        let valid: Vec<usize> = (0..items.len())
            .filter(|&index| items[index].is_ok())
            .collect();
        let batches = valid.chunks(MAX_COMMANDS).map(<[usize]>::to_vec).collect();
        let entries: Vec<Option<JsValue>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| item.as_ref().err().map(|error| failed(index, error)))
            .collect();
        let settled = entries.iter().filter(|entry| entry.is_some()).count();
        Bulk {
            session,
            options,
            batches,
            fields: items.into_iter().map(Result::ok).collect(),
            entries,
            next: 0,
            settled,
        }
    }
}

impl Bulk {
    /// How many batches to keep in flight.
    pub fn workers(&self) -> usize {
        WORKERS.min(self.batches.len())
    }

    /// How many items there are in all.
    pub fn total(&self) -> usize {
        self.entries.len()
    }
}

#[wasm_bindgen]
impl Bulk {
    /// The next batch as `{ index, call }`, or `undefined` when none is left
    /// or the caller aborted: nothing more is sent then.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self) -> JsValue {
        let aborted = self
            .options
            .signal
            .as_ref()
            .is_some_and(|signal| signal.aborted());
        let Some(batch) = self.batches.get(self.next).filter(|_| !aborted) else {
            return JsValue::UNDEFINED;
        };
        let commands = batch
            .iter()
            .filter_map(|&index| self.fields[index])
            .collect();
        let call = Rc::clone(&self.session).call(&self.options, Job::Batch(commands));
        let next = Object::new();
        let _ = Reflect::set(&next, &"index".into(), &JsValue::from_f64(self.next as f64));
        let _ = Reflect::set(&next, &"call".into(), &JsValue::from(call));
        self.next += 1;
        next.into()
    }

    /// Records batch `index`: `commands`, its entries one per command, or
    /// `error`, the batch's error for every item in it. Answers how many
    /// items have settled.
    pub fn settle(&mut self, index: usize, commands: JsValue, error: JsValue) -> usize {
        let Some(batch) = self.batches.get(index) else {
            return self.settled;
        };
        for (position, &item) in batch.iter().enumerate() {
            let entry = Reflect::get_u32(&commands, position as u32)
                .ok()
                .filter(JsValue::is_object)
                .unwrap_or_else(|| {
                    let entry = Object::new();
                    let _ = Reflect::set(&entry, &"ok".into(), &JsValue::FALSE);
                    let _ = Reflect::set(&entry, &"error".into(), &error);
                    entry.into()
                });
            let _ = Reflect::set(&entry, &"index".into(), &JsValue::from_f64(item as f64));
            if self.entries[item].replace(entry).is_none() {
                self.settled += 1;
            }
        }
        self.settled
    }

    /// `{ results, succeeded, failed }`: one entry per item at its index;
    /// an item never sent because the caller aborted fails with `ABORTED`.
    pub fn report(&mut self) -> JsValue {
        let results = Array::new();
        let mut succeeded = 0;
        for (index, entry) in self.entries.iter_mut().enumerate() {
            let entry = entry.get_or_insert_with(|| failed(index, &B24Error::aborted()));
            if JsObject(entry.clone()).get("result") == crate::value::Value::Bool(true) {
                succeeded += 1;
            }
            results.push(entry);
        }
        let report = Object::new();
        let failed = self.entries.len() - succeeded;
        for (key, value) in [
            ("results", JsValue::from(results)),
            ("succeeded", JsValue::from_f64(succeeded as f64)),
            ("failed", JsValue::from_f64(failed as f64)),
        ] {
            let _ = Reflect::set(&report, &key.into(), &value);
        }
        report.into()
    }
}

/// The entry of item `index` that failed with `error`.
fn failed(index: usize, error: &B24Error) -> JsValue {
    let entry = Object::new();
    let _ = Reflect::set(&entry, &"index".into(), &JsValue::from_f64(index as f64));
    let _ = Reflect::set(&entry, &"ok".into(), &JsValue::FALSE);
    let _ = Reflect::set(&entry, &"error".into(), &to_js_error(error));
    entry.into()
}

/// Reads `items` as an array of binding fields, each at once, so a caller
/// that changes them afterwards cannot change what is sent.
///
/// Fails with `ERROR_ARGUMENT` when `items` is not an array.
#[inline(never)]
pub fn read_items(
    items: &JsValue,
    read_fields: impl Fn(&JsValue) -> Result<ValidFields, B24Error>,
) -> Result<Vec<Result<ValidFields, B24Error>>, B24Error> {
    let not_a_list = || {
        B24Error::new(
            code::ERROR_ARGUMENT,
            "items must be an array of binding fields.",
            None,
        )
    };
    if !is_array(items).unwrap_or(false) {
        return Err(not_a_list());
    }
    let length = JsObject(items.clone())
        .get("length")
        .as_finite()
        .filter(|length| (0.0..=1_000_000.0).contains(length))
        .ok_or_else(not_a_list)?;
    let read = |index: u32| {
        let item = Reflect::get_u32(items, index).unwrap_or(JsValue::UNDEFINED);
        read_fields(&item)
    };
    Ok((0..length as u32).map(read).collect())
}
