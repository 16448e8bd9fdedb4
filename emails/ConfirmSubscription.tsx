/**
 * The double opt-in email: one button that confirms the subscription. Same shell and colours as
 * the digest. `confirmSubscriptionText` is its plain-text part.
 */
import { Button, Section, Text } from '@react-email/components';
import { Footer } from './_components/Footer.js';
import { Layout } from './_components/Layout.js';
import { cls, light } from './_components/theme.js';

/** What the double opt-in email shows. */
export interface ConfirmSubscriptionProps {
  newsletterName: string;
  tagline: string;
  frequency: 'daily' | 'weekly';
  confirmUrl: string;
  /** How long the link works. */
  expiresInHours: number;
  postalAddress: string;
}

const reason = (p: ConfirmSubscriptionProps) =>
  `Someone, hopefully you, asked to subscribe this address to ${p.newsletterName}. If it was not you, ignore this email: nothing will be sent.`;

/** The double opt-in email (React Email). */
export default function ConfirmSubscription(props: ConfirmSubscriptionProps) {
  return (
    <Layout
      preheader={`Confirm your subscription to ${props.newsletterName}`}
      masthead={{ newsletterName: props.newsletterName, tagline: props.tagline, subline: 'One click to confirm your subscription' }}
    >
      <Section className="pb-pad" style={{ padding: '8px 28px 24px' }}>
        {/* Kept as written: joined on one line, "for{' '}" becomes "for " and the HTML loses a text-node break (the snapshot). */}
        {/* prettier-ignore */}
        <Text className={cls.muted} style={{ marginTop: 0, marginBottom: 16, fontSize: 15, lineHeight: '23px', color: light.muted }}>
          Confirm your address to get the {props.frequency} digest of trending research papers. The link works for{' '}
          {props.expiresInHours} hours.
        </Text>
        <Button
          href={props.confirmUrl}
          style={{ backgroundColor: light.link, color: '#ffffff', fontSize: 15, fontWeight: 600, padding: '12px 20px', borderRadius: 6 }}
        >
          Confirm my subscription
        </Button>
      </Section>
      <Footer reason={reason(props)} postalAddress={props.postalAddress} links={[]} />
    </Layout>
  );
}

/** The plain-text part. */
export function confirmSubscriptionText(props: ConfirmSubscriptionProps): string {
  return [
    `${props.newsletterName}: ${props.tagline}`,
    '',
    `Confirm your address to get the ${props.frequency} digest of trending research papers:`,
    props.confirmUrl,
    `The link works for ${props.expiresInHours} hours.`,
    '',
    '--',
    reason(props),
    props.postalAddress,
    '',
  ].join('\n');
}

ConfirmSubscription.PreviewProps = {
  newsletterName: 'Paperboy',
  tagline: 'Get trending papers in your email inbox!',
  frequency: 'daily',
  confirmUrl: 'http://localhost:3000/confirm/preview',
  expiresInHours: 48,
  postalAddress: 'Paperboy, 1 Example Street, 00000 Example City',
} satisfies ConfirmSubscriptionProps;
