/**
 * The Apiary dashboard: a JAX-RS API under {@code /apiary/api} and a web page under {@code /apiary}, both for users
 * in the viewer role (reading) or the admin role (acting). Add {@code apiary-dashboard} to a WAR.
 */
package dev.apiary.dashboard;
