'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/lib/utils';

const links = [
  { href: '/pods', label: 'Pods' },
  { href: '/tenants', label: 'Tenants' },
  { href: '/pods/new', label: 'New agent' },
];

export function NavLinks() {
  const path = usePathname();
  const current = (href: string) =>
    href === '/pods' ? path === '/pods' || /^\/pods\/pod_/.test(path) : path.startsWith(href);
  return (
    <nav aria-label="Main" className="flex items-center gap-1 text-sm">
      {links.map((l) => (
        <Link
          key={l.href}
          href={l.href}
          aria-current={current(l.href) ? 'page' : undefined}
          className={cn(
            'hover:bg-accent rounded-md px-2 py-1',
            current(l.href) ? 'bg-accent font-medium' : 'text-muted-foreground',
          )}
        >
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
