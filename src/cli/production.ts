/**
 * Imported first by the executable: React picks its build when it is first loaded, and without
 * NODE_ENV it takes the development build (about 1.7× slower to render an email). A NODE_ENV
 * the operator set is kept.
 */
process.env.NODE_ENV ??= 'production';
