import { z } from 'zod';

/** A private registry's credential as the API shows it: never the password. */
export const RegistryCredential = z.object({
  /** `ghcr.io`, `registry.example.com:5000`; Docker Hub is `docker.io`. */
  registry: z.string(),
  username: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type RegistryCredential = z.infer<typeof RegistryCredential>;

export const RegistryCredentialList = z.object({ items: z.array(RegistryCredential) });
export type RegistryCredentialList = z.infer<typeof RegistryCredentialList>;

export interface PutRegistryCredentialRequest {
  username: string;
  /** The password or access token: stored encrypted, never returned. */
  password: string;
}
