import { codePolicy } from '../core/oneTimeCode.js';
import { formFields, minutes, textsFor, type PageFrame } from './frame.js';
import { html, type SafeHtml } from './html.js';
import { isAboutTheCode, type Notice } from './notices.js';

export interface CodeFormOptions {
  readonly action: string;
  readonly label: string;
  readonly submitLabel: string;
  readonly notice: Notice | undefined;
}

/** The form that takes a 6-digit code: the one-time-code autocomplete lets phones offer the code from the SMS. */
export function codeForm(frame: PageFrame, csrf: string, options: CodeFormOptions): SafeHtml {
  const p = textsFor(frame);
  const invalid = isAboutTheCode(options.notice);
  return html`<p class="notice info" role="status">${p.contact.codeSent(minutes(codePolicy.validForMs))}</p>
    <form method="post" action="${options.action}" class="code-form">
      ${formFields(frame, csrf)}
      <label for="code">${options.label}</label>
      <input
        type="text"
        id="code"
        name="code"
        class="code"
        inputmode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        maxlength="6"
        spellcheck="false"
        required
        ${invalid ? html`aria-invalid="true" aria-describedby="notice"` : ''}
      />
      <button type="submit">${options.submitLabel}</button>
    </form>`;
}
