import { useId } from 'react';
import { formatProb } from '../format.ts';
import { performStep } from '../lesson/lesson-actions.ts';
import { LESSON_STEPS } from '../lesson/lesson-steps.ts';
import { useLesson, type StepResult } from '../lesson/store-lesson.ts';
import { useLabSession } from '../store-lab.ts';
import { GlossaryText } from './GlossaryTerm.tsx';

function Answers({ result }: { result: StepResult }) {
  return (
    <div className="lesson-result" data-testid="lesson-result" aria-live="polite">
      {result.answers.length > 0 && (
        <ul className="lesson-answers">
          {result.answers.map((a, i) => (
            <li key={i} data-testid="lesson-answer" data-matches={String(a.matches)}>
              <q>{a.question}</q> → <strong className="lesson-answer-token">{a.answer.trim() || '(space)'}</strong>{' '}
              <span className="muted">
                ({formatProb(a.prob)}; {a.matches ? 'matches' : 'expected'} “{a.expected}”)
              </span>
            </li>
          ))}
        </ul>
      )}
      {result.summary && <p className="lesson-summary" data-testid="lesson-summary">{result.summary}</p>}
      {result.generation && (
        <dl className="lesson-generation">
          <dt>Before the edit, “{result.generation.prompt}” continues:</dt>
          <dd>{result.generation.before}</dd>
          <dt>After:</dt>
          <dd data-testid="lesson-generation-after">{result.generation.after}</dd>
        </dl>
      )}
    </div>
  );
}

/** The current step: its idea, its one button, what it found. */
export function LessonStepCard({ headingLevel = 3 }: { headingLevel?: 2 | 3 }) {
  const step = useLesson((s) => s.step);
  const running = useLesson((s) => s.running);
  const result = useLesson((s) => s.results[s.step]);
  const error = useLesson((s) => s.error);
  const pending = useLabSession((s) => s.pending !== null);
  const info = LESSON_STEPS[step - 1]!;
  const titleId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const blocked = pending ? 'Answer the banner about the shared experiment first.' : null;
  return (
    <div className="lesson-step" data-testid="lesson-step" data-step={step} data-done={String(result !== undefined)}>
      <Heading className="lesson-step-title" id={titleId}>
        <span className="lesson-step-number">Step {step} of {LESSON_STEPS.length}.</span> {info.title}
      </Heading>
      <p className="lesson-text">
        <GlossaryText text={info.text} />
      </p>
      <div className="lesson-action">
        <button type="button" className="button lesson-perform" data-testid="lesson-perform" disabled={running || blocked !== null} aria-describedby={titleId} onClick={() => void performStep(step)}>
          {running ? 'Working…' : info.button}
        </button>
        {blocked && <span className="muted small">{blocked}</span>}
      </div>
      {error && (
        <p className="lesson-error" role="alert" data-testid="lesson-error">
          {error}
        </p>
      )}
      {result && <Answers result={result} />}
    </div>
  );
}
