import { ListSkeleton } from '@/components/page-states';

export default function Loading() {
  return <ListSkeleton label="Loading the form" rows={5} />;
}
