/**
 * Questions asked of the store: a page of deliveries, one message's story, counts over time, an
 * export — each scoped in SQL by who asks ({@link dev.waybill.query.Viewer}). There is no code
 * path here that reads rows before the viewer's scope is part of the statement.
 */
package dev.waybill.query;
