import { ListSkeleton } from '@/components/page-states';

export default function Loading() {
  return <ListSkeleton label="Loading the tenants" />;
}
