// The reference, rendered from this Worker's /openapi.json by Swagger UI (served from /docs, like everything it loads).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayOperationId: false,
  displayRequestDuration: true,
  filter: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
  // No call to the public validator service: nothing leaves this origin.
  validatorUrl: null,
});
