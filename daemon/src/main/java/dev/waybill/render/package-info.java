/**
 * The pages: query results into HTML through the Mustache templates of {@code plugin/templates}
 * (HTML escaping always on). The cPanel page, the WHM page and the admin page only pass the
 * request's query string here and print what comes back; every decision about what a page shows
 * is made in this package, where it is tested.
 */
package dev.waybill.render;
