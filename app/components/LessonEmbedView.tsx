import { useEffect } from 'react';
import { useLesson } from '../lesson/store-lesson.ts';
import { LazyCollapseChart as CollapseChart } from './LazyCollapseChart.tsx';
import { LessonProgress } from './LessonProgress.tsx';
import { LessonStepCard } from './LessonStepCard.tsx';

/** ?embed=1: the chart, the current step and its button; nothing else. */
export function LessonEmbedView() {
  const open = useLesson((s) => s.open);
  const openLesson = useLesson((s) => s.openLesson);
  useEffect(() => {
    if (!open) openLesson();
  }, [open, openLesson]);
  return (
    <div className="embed-view" data-testid="embed-view">
      <section className="embed-step" aria-label="Lesson step">
        <LessonStepCard headingLevel={2} />
        <LessonProgress />
        <a className="small embed-open" href={location.href.replace(/[?&]embed=1/, '').replace(/\?(?=#|$)/, '')} target="_blank" rel="noopener noreferrer">
          Open in Butterfly Lab
        </a>
      </section>
      <section className="embed-chart" aria-label="Chart">
        <CollapseChart height={330} />
      </section>
    </div>
  );
}
