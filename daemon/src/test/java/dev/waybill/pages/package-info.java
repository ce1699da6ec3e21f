/**
 * The cPanel and WHM pages end to end: a faithful emulation of cpsrvd running the plugin's pages
 * as CGIs, under the cPanel user's uid for the cPanel page and as root for the WHM page, driven
 * by headless Chromium (Selenium) and by headless Firefox ESR (Marionette, through a client of
 * our own: there is no geckodriver).
 */
package dev.waybill.pages;
