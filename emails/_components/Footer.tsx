/**
 * The footer: why the reader gets this email, view in browser, preferences, unsubscribe, and
 * the postal address. Links that do not apply (no token in an archived copy) are left out.
 */
import { Link, Section, Text } from '@react-email/components';
import { Fragment } from 'react';
import { cls, light } from './theme.js';

/** Why the reader gets the email, the footer's links (absent ones left out) and the postal address. */
export interface FooterProps {
  reason: string;
  postalAddress: string;
  links: { label: string; href: string | undefined }[];
}

/** The footer every email ends with. */
export function Footer({ reason, postalAddress, links }: FooterProps) {
  const shown = links.filter((l): l is { label: string; href: string } => Boolean(l.href));
  const small = { marginTop: 0, marginBottom: 6, fontSize: 12, lineHeight: '18px', color: light.faint };
  return (
    <Section className={`pb-pad ${cls.rule}`} style={{ padding: '16px 28px 24px', borderTop: `1px solid ${light.border}` }}>
      <Text className={cls.faint} style={small}>
        {reason}
      </Text>
      {shown.length > 0 ? (
        <Text className={cls.faint} style={small}>
          {shown.map((l, i) => (
            <Fragment key={l.label}>
              {i > 0 ? ' · ' : ''}
              <Link href={l.href} className={cls.faint} style={{ color: light.faint, textDecoration: 'underline' }}>
                {l.label}
              </Link>
            </Fragment>
          ))}
        </Text>
      ) : null}
      <Text className={cls.faint} style={{ ...small, marginBottom: 0 }}>
        {postalAddress}
      </Text>
    </Section>
  );
}
