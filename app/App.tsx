import { useEffect, useState } from 'react';
import { useLabStore } from './store.ts';
import { useLabSession } from './store-lab.ts';
import { openStartupExperiment } from './startup.ts';
import { Header } from './components/Header.tsx';
import { Diagnostics } from './components/Diagnostics.tsx';
import { LabView } from './components/LabView.tsx';
import { OpenResultsWithoutGpu } from './components/OpenResultsWithoutGpu.tsx';
import { ProbingNotice } from './components/ProbingNotice.tsx';
import { TabBar, type TabId } from './components/TabBar.tsx';
import { WebGpuUnavailable } from './components/WebGpuUnavailable.tsx';
import { LessonEmbedView } from './components/LessonEmbedView.tsx';
import { LessonPresentation } from './components/LessonPresentation.tsx';
import { isEmbedView } from './lesson/embed.ts';
import { useLesson } from './lesson/store-lesson.ts';
import './lesson/lesson.css';

const embed = isEmbedView();

export function App() {
  const status = useLabStore((s) => s.status);
  const probe = useLabStore((s) => s.probe);
  const error = useLabStore((s) => s.error);
  const start = useLabStore((s) => s.start);
  const rebuilding = useLabSession((s) => s.rebuilding);
  const [tab, setTab] = useState<TabId>('lab');
  const present = useLesson((s) => s.open && s.present);

  useEffect(() => start(), [start]);
  // A shared link (or a saved session) is opened once the GPU is known to work.
  useEffect(() => {
    if (status === 'ready') openStartupExperiment();
  }, [status]);

  const ready = probe !== null && (status === 'ready' || rebuilding);
  let content;
  if (status === 'failed' && error && !rebuilding) {
    content = (
      <>
        <WebGpuUnavailable error={error} />
        <OpenResultsWithoutGpu />
      </>
    );
  } else if (embed && ready) content = <LessonEmbedView />;
  else if (ready) {
    content = (
      <>
        <TabBar tab={tab} onChange={setTab} />
        {/* Both stay mounted: switching tabs must not lose the chart or the forms. */}
        <div hidden={tab !== 'lab'}>
          <LabView probe={probe} />
        </div>
        <div hidden={tab !== 'diagnostics'}>
          <Diagnostics probe={probe} />
        </div>
      </>
    );
  } else content = <ProbingNotice />;

  // The embed view is only the lesson; the presentation hides the lab (kept mounted, so nothing is lost).
  if (embed) return <main className="embed">{content}</main>;
  return (
    <div className="app">
      {!present && <Header />}
      <main className="main" hidden={present && ready}>
        {content}
      </main>
      {present && ready && <LessonPresentation />}
    </div>
  );
}
