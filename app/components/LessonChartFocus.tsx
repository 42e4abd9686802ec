import type { ReactNode } from 'react';
import { LESSON_STEPS } from '../lesson/lesson-steps.ts';
import { useLesson } from '../lesson/store-lesson.ts';

/** While the lesson is open, the chart is framed and the step says what to look at on it. */
export function LessonChartFocus({ children }: { children: ReactNode }) {
  const open = useLesson((s) => s.open);
  const step = useLesson((s) => s.step);
  if (!open) return <>{children}</>;
  const info = LESSON_STEPS[step - 1]!;
  return (
    <div className="lesson-focus" data-focus={info.focus} data-testid="lesson-focus">
      <p className="lesson-look">
        <span className="lesson-look-label">Look at:</span> {info.look}
      </p>
      {children}
    </div>
  );
}
