/** How pod URLs are made here: the scheme, and what follows the subdomain (`.agents.test:8443`). */
export interface PodUrlTemplate {
  scheme: string;
  suffix: string;
}

export function podUrl(template: PodUrlTemplate | null, subdomain: string): string | null {
  return template ? `${template.scheme}://${subdomain}${template.suffix}/` : null;
}
