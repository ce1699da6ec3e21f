/**
 * The cPanel and WHM pages end to end: a faithful emulation of cpsrvd running the plugin's pages
 * as CGIs, under the cPanel user's uid for the cPanel page and as root for the WHM page, driven
 * by headless Chromium.
 */
package dev.waybill.pages;
